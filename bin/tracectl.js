#!/usr/bin/env node
// The only file that touches `process`: everything else receives an `io` and returns an exit code.
import { main } from '../dist/cli.js';
import { processIo } from '../dist/io.js';

process.exitCode = await main(process.argv.slice(2), processIo());
