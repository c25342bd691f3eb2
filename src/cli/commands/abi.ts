/**
 * `tphlab abi`: the byte layout of every userspace struct of the series per revision (pahole-like
 * text, or JSON), and the cross-revision verdicts: a program built against one revision's headers
 * on a kernel of another, field by field, with the ioctl result obtained from the kernel model.
 */
import { REVISION_NAMES, type RevisionName } from "../../kernel/revision.js";
import { abiLayouts, formatLayout, layoutJson } from "../../uapi/abi.js";
import { kernelRunFeature } from "../../uapi/abi-kernel.js";
import type { RunFeature } from "../../uapi/abi-run.js";
import { abiVerdicts, formatVerdicts } from "../../uapi/abi-verdicts.js";
import type { Command } from "../command.js";
import type { Io } from "../io.js";
import { parseRevisions, REVISION_OPTION } from "../revisions.js";

const NOTES = `Revisions default to the four bases: ${REVISION_NAMES.join(", ")}; each may add fixes
(BASE+FIX[+FIX...], see 'tphlab review --fixes').
--json prints one object: a key per layout ("STRUCT" when identical in every selected revision,
else "STRUCT@REVISION") holding { size, align, fields, padding }, plus "verdicts": the
cross-revision results.`;

function printJson(io: Io, revisions: readonly RevisionName[], runFeature: RunFeature | undefined): void {
  const out: Record<string, unknown> = {};
  for (const l of abiLayouts(revisions)) out[l.key] = layoutJson(l.struct);
  out.verdicts = abiVerdicts(revisions, runFeature);
  io.stdout(`${JSON.stringify(out, null, 2)}\n`);
}

function printText(io: Io, revisions: readonly RevisionName[], runFeature: RunFeature | undefined): void {
  io.stdout(abiLayouts(revisions).map(formatLayout).join("\n"));
  const verdicts = abiVerdicts(revisions, runFeature);
  io.stdout("\nverdicts: a program built against one revision's headers on a kernel of another\n");
  if (verdicts.length === 0) io.stdout("  none: the selected revisions agree on every VFIO layout\n");
  if (verdicts.length > 0) io.stdout(`\n${formatVerdicts(verdicts)}`);
}

/** The command, running verdicts through `runFeature` (without it, return values are "not run"). */
export function makeAbiCommand(runFeature?: RunFeature): Command {
  return {
    name: "abi",
    summary: "uAPI struct layouts per revision and cross-revision ABI verdicts",
    synopsis: ["[--revision LIST]... [--json]"],
    options: [REVISION_OPTION],
    notes: NOTES,
    run(flags, io): number {
      const revisions = parseRevisions(flags.strings("revision")) ?? [...REVISION_NAMES];
      if (flags.bool("json")) printJson(io, revisions, runFeature);
      else printText(io, revisions, runFeature);
      return 0;
    },
  };
}

/** `tphlab abi` with verdicts computed by the kernel model. */
export const abiCommand: Command = makeAbiCommand(kernelRunFeature);
