// Validates Grafana dashboard JSON files against a strict JSON schema generated from the
// TypeScript types that @grafana/schema publishes for the classic dashboard model (the one
// a provisioned file with schemaVersion 39 is read as). "Strict" is what makes the check
// worth having: every object that has no index signature in the types gets
// additionalProperties: false, so a misspelt key (gridpos, datasourse) fails instead of being
// silently ignored by Grafana. Panel `options` and `fieldConfig.defaults.custom` are
// Record<string, unknown> in those types; the plugins' own option types are not checked.
//
//   node validate-dashboards.cjs --modules DIR [--write-schema FILE] DASHBOARD.json...
//
// DIR is the node_modules folder deploy/bootstrap.sh installed from package-lock.json.
// Exit 0 when every file is valid, 1 when one is not (each error names the file and the
// JSON path), 2 on a usage error or a missing tool.
"use strict";
const fs = require("fs");
const path = require("path");
const { createRequire } = require("module");

function usage(why) {
  process.stderr.write(`validate-dashboards: ${why}\nusage: node validate-dashboards.cjs --modules DIR [--write-schema FILE] DASHBOARD.json...\n`);
  process.exit(2);
}

const args = process.argv.slice(2);
let modules = "";
let writeSchema = "";
const files = [];
for (let i = 0; i < args.length; ++i) {
  if (args[i] === "--modules") modules = args[++i] || usage("--modules needs a folder");
  else if (args[i] === "--write-schema") writeSchema = args[++i] || usage("--write-schema needs a file");
  else if (args[i].startsWith("--")) usage(`unknown option ${args[i]}`);
  else files.push(args[i]);
}
if (!modules) usage("--modules is required");
if (files.length === 0) usage("no dashboard to check");

const load = createRequire(path.join(path.resolve(modules), "package.json"));
let tsj, Ajv, typesFile;
try {
  tsj = load("ts-json-schema-generator");
  Ajv = load("ajv");
  typesFile = path.join(path.dirname(load.resolve("@grafana/schema/package.json")), "dist/esm/raw/dashboard/x/dashboard_types.gen.d.ts");
} catch (e) {
  usage(`the pinned checkers are not installed in ${modules} (run deploy/bootstrap.sh): ${e.message}`);
}
if (!fs.existsSync(typesFile)) usage(`@grafana/schema has no dashboard types at ${typesFile}`);

// additionalProperties: false is the generator's default; it is spelt out because the whole
// check rests on it.
const schema = tsj.createGenerator({ path: typesFile, type: "Dashboard", skipTypeCheck: true, additionalProperties: false }).createSchema("Dashboard");
// Grafana tells a row from a panel by `type: "row"`; the types say Panel | RowPanel, which
// as anyOf reports every mismatch against both. Dispatching on the type gives one answer.
const panels = schema.definitions.Dashboard.properties.panels;
if (!panels || !panels.items || !panels.items.anyOf) usage("the generated schema's Dashboard.panels is not Panel | RowPanel; this check needs updating");
panels.items = { type: "object", if: { type: "object", properties: { type: { const: "row" } }, required: ["type"] }, then: { $ref: "#/definitions/RowPanel" }, else: { $ref: "#/definitions/Panel" } };
if (writeSchema) fs.writeFileSync(writeSchema, JSON.stringify(schema, null, 2) + "\n");
const grafanaVersion = load("@grafana/schema/package.json").version;
const validate = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true }).compile(schema);

let invalid = 0;
for (const file of files) {
  let dashboard;
  try {
    dashboard = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (e) {
    console.log(`${file}: not JSON: ${e.message}`);
    ++invalid;
    continue;
  }
  if (validate(dashboard)) {
    console.log(`${file}: valid against @grafana/schema ${grafanaVersion} (Dashboard)`);
    continue;
  }
  ++invalid;
  for (const e of validate.errors) {
    if (e.keyword === "if") continue;  // restates the then/else error it comes with
    const where = e.instancePath || "/";
    const detail = e.params.additionalProperty ? `: '${e.params.additionalProperty}'` : e.params.missingProperty ? `: '${e.params.missingProperty}'` : e.params.allowedValues ? `: ${JSON.stringify(e.params.allowedValues)}` : "";
    console.log(`${file}: ${where} ${e.message}${detail}`);
  }
}
process.exit(invalid ? 1 : 0);
