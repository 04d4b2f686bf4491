#!/usr/bin/env node
// The `baton` command: runs the TypeScript sources through tsx, so no build step is needed.
import { register } from 'tsx/esm/api';

register();
// `baton logs ID | head`: when the reader goes away, stop quietly instead of crashing on EPIPE.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});
const { main } = await import('../src/main.ts');
const code = await main(process.argv.slice(2));
if (code !== undefined) process.exitCode = code;
