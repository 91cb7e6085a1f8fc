export * from './abstract.js';
export * from './function.js';
export * from './combined.js';
export * from './wrappers.js';
export * from './external.js';
