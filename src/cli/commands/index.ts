/** The command registry: one entry per `tphlab` subcommand, in help order. */
import type { Command } from "../command.js";
import { bwCommand } from "./bw.js";

export const COMMANDS: readonly Command[] = [bwCommand];
