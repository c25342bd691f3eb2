#!/usr/bin/env node
// Mutation score per folder from Stryker's JSON reports (reports/mutation/<folder>.json, written by
// `npm run mutate`): killed + timed out over every mutant that ran or had no test. With --survivors,
// each surviving mutant as file:line: mutator -> replacement.
import fs from "node:fs";

const dir = "reports/mutation";
const showSurvivors = process.argv.includes("--survivors");
const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => /^[a-z]+\.json$/.test(f)) : [];
if (files.length === 0) {
  console.error(`mutation-summary: no reports in ${dir}/ (run npm run mutate first)`);
  process.exit(2);
}
console.log("folder   files  mutants  killed  timeout  survived  no-cov  ignored  score");
for (const f of files.sort()) {
  const report = JSON.parse(fs.readFileSync(`${dir}/${f}`, "utf8"));
  const n = { Killed: 0, Timeout: 0, Survived: 0, NoCoverage: 0, Ignored: 0 };
  const survivors = [];
  for (const [path, file] of Object.entries(report.files)) {
    for (const m of file.mutants) {
      if (m.status in n) n[m.status]++;
      if (m.status === "Survived" || m.status === "NoCoverage")
        survivors.push(`  ${path}:${m.location.start.line}: ${m.mutatorName} -> ${JSON.stringify(m.replacement ?? "")}`);
    }
  }
  const valid = n.Killed + n.Timeout + n.Survived + n.NoCoverage;
  const score = valid ? (100 * (n.Killed + n.Timeout)) / valid : 0;
  const cols = [Object.keys(report.files).length, valid, n.Killed, n.Timeout, n.Survived, n.NoCoverage, n.Ignored];
  console.log(`${f.replace(".json", "").padEnd(8)} ${cols.map((c, i) => String(c).padStart([5, 8, 7, 8, 9, 7, 8][i])).join(" ")}  ${score.toFixed(1)}%`);
  if (showSurvivors) console.log(survivors.join("\n"));
}
