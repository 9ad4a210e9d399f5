// @orderbook/client: the orderbook program from TypeScript.
export * from './accounts.js';
export * from './client.js';
export * from './errors.js';
export * from './events.js';
export * from './feed.js';
export * from './instructions.js';
export * from './layout.js';
export * as pda from './pda.js';
export * from './program.js';
export * from './sealed.js';
export * from './tokens.js';
export * from './types.js';
export * from './units.js';
