/**
 * `tphlab abi`: the byte layout of every userspace struct of the series per revision (pahole-like
 * text, or JSON), and the cross-revision verdicts: a program built against one revision's headers
 * on a kernel of another, field by field, with the ioctl result obtained from the kernel model.
 */
import { inputError } from "../../base/errors.js";
import { REVISION_NAMES, type RevisionName, sortRevisions } from "../../kernel/revision.js";
import { abiLayouts, formatLayout, layoutJson } from "../../uapi/abi.js";
import { kernelRunFeature } from "../../uapi/abi-kernel.js";
import type { RunFeature } from "../../uapi/abi-run.js";
import { abiVerdicts, formatVerdicts } from "../../uapi/abi-verdicts.js";
import { parseFlags, revisionFlag } from "../args.js";
import type { Command } from "../command.js";
import type { Io } from "../io.js";

const OPTIONS = {
  revision: { type: "string", multiple: true },
  json: { type: "boolean" },
} as const;

const USAGE = `tphlab abi [--revision NAME]... [--json]
  --revision NAME   ${REVISION_NAMES.join(", ")}, optionally +FIX[+FIX...] (repeatable; default:
                    the four bases, in that order)
  --json            one object: a key per layout ("STRUCT" when identical in every selected
                    revision, else "STRUCT@REVISION") holding { size, align, fields, padding },
                    plus "verdicts": the cross-revision results`;

function parseRevisions(values: Record<string, unknown>): RevisionName[] {
  const given = values.revision;
  if (given === undefined) return [...REVISION_NAMES];
  const list = (Array.isArray(given) ? given : [given]).map((t) => revisionFlag("--revision", String(t)));
  const dup = list.find((r, i) => list.indexOf(r) !== i);
  if (dup) throw inputError("--revision", `'${dup}' given twice`, "duplicate");
  // Print in the canonical order whatever order the flags came in: same input set, same bytes out.
  return sortRevisions(list);
}

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
    usage: USAGE,
    run(argv: readonly string[], io: Io): number {
      const { values } = parseFlags(argv, OPTIONS, false);
      const revisions = parseRevisions(values);
      if (values.json === true) printJson(io, revisions, runFeature);
      else printText(io, revisions, runFeature);
      return 0;
    },
  };
}

/** `tphlab abi` with verdicts computed by the kernel model. */
export const abiCommand: Command = makeAbiCommand(kernelRunFeature);
