#!/usr/bin/env node
// Entry point for `npx snowpatrol`: runs the TypeScript CLI through tsx.
require('tsx/cjs');
void require('./main.ts').main();
