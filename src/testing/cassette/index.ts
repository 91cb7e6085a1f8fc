export type {
  CassetteBody,
  CassetteData,
  CassetteMetadata,
  CassetteRequest,
  CassetteResponse,
  HeaderMap,
  Interaction,
  MatchOn,
  RecordMode,
  SecretFinding,
  SseEvent,
} from './cassette.js';
export {
  CassetteError,
  CassetteEscape,
  CassetteFormatError,
  CassetteMismatch,
  CassetteRecordingInCI,
  CassetteSecretError,
  CassetteUnplayed,
} from './cassette.js';
export { CASSETTE_FORMAT, parseCassette, readCassette, serializeCassette } from './format.js';
export { DEFAULT_MATCH_ON, FOREIGN_MATCH_ON } from './match.js';
export { CassetteExpired, parseMaxAge } from './expiry.js';
export type { ExpiryOptions, OnExpiry } from './expiry.js';
export type { MatchOptions } from './match.js';
export { DEFAULT_DROP_HEADERS, DEFAULT_SECRET_PATTERNS, REDACTED, redactInteraction, registerSecrets, scanInteractions } from './redact.js';
export type { RedactOptions, SecretPattern, SecretRegistration } from './redact.js';
export { SECRET_NAME_WORDS } from './secret-names.js';
export type { Pacing } from './sse.js';
export { Cassette, activeCassette, isCI, resolveRecordMode, withCassette } from './with-cassette.js';
export type { CassetteOptions } from './with-cassette.js';
export { cassettePathForTest, sanitizeTestName, useCassette, useCassettePerTest } from './use-cassette.js';
export type { UseCassetteOptions, UseCassetteTestContext } from './use-cassette.js';
export { registerCassetteCommands, runCassetteCli } from './cli.js';
export type { CliIO } from './cli.js';
