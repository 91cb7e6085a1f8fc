import { describe, expect, it } from 'vitest';
import * as cassette from './index.js';

describe('cassette public API', () => {
  it('exports its public names', () => {
    expect(Object.keys(cassette).sort()).toEqual(
      [
        'CASSETTE_FORMAT',
        'Cassette',
        'CassetteError',
        'CassetteEscape',
        'CassetteFormatError',
        'CassetteMismatch',
        'CassetteRecordingInCI',
        'CassetteSecretError',
        'CassetteUnplayed',
        'DEFAULT_DROP_HEADERS',
        'DEFAULT_MATCH_ON',
        'DEFAULT_SECRET_PATTERNS',
        'FOREIGN_MATCH_ON',
        'REDACTED',
        'activeCassette',
        'cassettePathForTest',
        'isCI',
        'parseCassette',
        'readCassette',
        'redactInteraction',
        'registerCassetteCommands',
        'resolveRecordMode',
        'runCassetteCli',
        'sanitizeTestName',
        'scanInteractions',
        'registerSecrets',
        'SECRET_NAME_WORDS',
        'CassetteExpired',
        'parseMaxAge',
        'serializeCassette',
        'useCassette',
        'useCassettePerTest',
        'withCassette',
      ].sort(),
    );
  });
});
