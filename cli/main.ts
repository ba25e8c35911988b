#!/usr/bin/env node
/**
 * The `backchat` executable. The commands live in backchat.ts, which the build bundles with its
 * dependencies into one file (scripts/build.mjs): one module to load instead of several hundred.
 */
import { main } from './backchat.js';

await main(process.argv.slice(2));
