export * from './abstract.js';
export * from './core.js';
export * from './hooks.js';
