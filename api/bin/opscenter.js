#!/usr/bin/env node
// Runs the TypeScript CLI directly: no build step between `npm install` and `opscenter`.
import { register } from 'tsx/esm/api';

// Libraries (graphql among them) skip development-only checks in production mode.
process.env.NODE_ENV ??= 'production';
register();
await import('../src/cli.ts');
