#!/usr/bin/env node
// Built entry point; run `npm run build` (or `npm start`) first.
import '../dist/cli.js';
