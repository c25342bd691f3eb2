/** `tphlab version` and `tphlab completion bash|zsh`: the tool describing itself. */
import { inputError } from "../../base/errors.js";
import type { Command } from "../command.js";
import { bashCompletion, zshCompletion } from "../completion.js";
import { packageVersion } from "../package.js";

export const versionCommand: Command = {
  name: "version",
  summary: "print the version (also: tphlab --version)",
  synopsis: ["[--json]"],
  options: [],
  run(flags, io) {
    const version = packageVersion(io);
    io.stdout(
      flags.bool("json") ? `${JSON.stringify({ name: "tphlab", version })}\n` : `tphlab ${version}\n`,
    );
    return 0;
  },
};

const SHELLS = ["bash", "zsh"] as const;

/** The completion command for `commands` (given lazily: it completes itself too). */
export function makeCompletionCommand(commands: () => readonly Command[]): Command {
  return {
    name: "completion",
    summary: "print a shell completion script for bash or zsh",
    synopsis: ["bash|zsh [--json]"],
    options: [],
    args: { name: "SHELL", complete: SHELLS },
    notes: `bash: eval "$(tphlab completion bash)" (e.g. in ~/.bashrc)
zsh:  eval "$(tphlab completion zsh)" (e.g. in ~/.zshrc)
--json prints { shell, script }.`,
    run(flags, io) {
      const [shell, extra] = flags.positionals;
      if (shell === undefined) throw inputError("SHELL", "expected bash or zsh", "usage");
      if (extra !== undefined) throw inputError("", `unexpected argument '${extra}'`, "usage");
      if (shell !== "bash" && shell !== "zsh")
        throw inputError("SHELL", `expected bash or zsh, found '${shell}'`, "choice");
      const script = shell === "bash" ? bashCompletion(commands()) : zshCompletion(commands());
      io.stdout(flags.bool("json") ? `${JSON.stringify({ shell, script }, null, 2)}\n` : script);
      return 0;
    },
  };
}
