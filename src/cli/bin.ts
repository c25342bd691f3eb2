#!/usr/bin/env node
import { exitQuietlyOnClosedPipe, nodeIo } from "./io.js";
import { main } from "./main.js";

exitQuietlyOnClosedPipe();
main(process.argv.slice(2), nodeIo()).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`tphlab: internal error: ${String(e)}\n`);
    process.exitCode = 70;
  },
);
