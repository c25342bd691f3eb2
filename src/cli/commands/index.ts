/** The command registry: one entry per `tphlab` subcommand, in help order. */
import type { Command } from "../command.js";
import { abiCommand } from "./abi.js";
import { bwCommand } from "./bw.js";
import { calibrateCommand } from "./calibrate.js";
import { demoCommand } from "./demo.js";
import { lspciCommand } from "./lspci.js";
import { makeCompletionCommand, versionCommand } from "./meta.js";
import { reviewCommand } from "./review.js";
import { runCommand } from "./run.js";
import { sweepCommand } from "./sweep.js";
import { tlpCommand } from "./tlp.js";
import { tourCommand } from "./tour.js";
import { makeWorkerCommand } from "./worker.js";
import { CLI_WORKER_DEPS } from "./worker-runner.js";

export const COMMANDS: readonly Command[] = [
  demoCommand,
  runCommand,
  sweepCommand,
  reviewCommand,
  abiCommand,
  lspciCommand,
  tlpCommand,
  bwCommand,
  calibrateCommand,
  makeWorkerCommand(CLI_WORKER_DEPS),
  tourCommand,
  versionCommand,
  makeCompletionCommand(() => COMMANDS),
];
