#!/usr/bin/env node
// Validate OpenActive JSON-LD offline with @openactive/data-model-validator.
//
// Usage: node tests/opendata/validate_openactive.mjs --activity-list LIST.jsonld FILE...
// FILE is a .json/.jsonld file (one object or an array of objects) or an .html page (its
// <script type="application/ld+json"> blocks). Prints one JSON object on stdout:
// {"items": N, "counts": {"failure": n, "warning": n, ...}, "problems": [...]}.
//
// The validator fetches activity lists (and JSON-LD contexts) over HTTP. Here its HTTP client
// answers from local files only: the activity list comes from reference/, every other URL is
// "not reachable", so a run never touches the network and always checks the same list.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const validatorPath = require.resolve("@openactive/data-model-validator");
const axios = createRequire(validatorPath)("axios");
const { validate } = require("@openactive/data-model-validator");

const ACTIVITY_LIST_URL = "https://openactive.io/activity-list";
const JSONLD_SCRIPT = /<script type="application\/ld\+json">([\s\S]*?)<\/script>/g;

function parseArgs(argv) {
  const args = { list: null, files: [] };
  for (let i = 0; i < argv.length; i += 1) {
    if (argv[i] === "--activity-list") {
      args.list = argv[i + 1];
      i += 1;
    } else {
      args.files.push(argv[i]);
    }
  }
  if (!args.list || args.files.length === 0) {
    process.stderr.write("usage: validate_openactive.mjs --activity-list LIST.jsonld FILE...\n");
    process.exit(2);
  }
  return args;
}

function offlineHttp(listPath) {
  const list = JSON.parse(readFileSync(listPath, "utf-8"));
  axios.get = async (url) => {
    if (url === ACTIVITY_LIST_URL) {
      return { data: list, headers: { "content-type": "application/ld+json" }, status: 200 };
    }
    // Same shape as a network error without a response: the validator reports it itself.
    throw new Error(`offline: ${url} is not available`);
  };
}

function itemsOf(file) {
  const text = readFileSync(file, "utf-8");
  if (file.endsWith(".html")) {
    return [...text.matchAll(JSONLD_SCRIPT)].map((m) => JSON.parse(m[1]));
  }
  const value = JSON.parse(text);
  return Array.isArray(value) ? value : [value];
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  offlineHttp(args.list);
  const options = { loadRemoteJson: true };
  const counts = {};
  const problems = [];
  const seen = new Map(); // the same object (a page's JSON-LD and its export) is checked once
  let items = 0;
  for (const file of args.files) {
    for (const item of itemsOf(file)) {
      items += 1;
      const key = JSON.stringify(item);
      if (!seen.has(key)) {
        seen.set(key, await validate(item, options));
      }
      for (const result of seen.get(key)) {
        counts[result.severity] = (counts[result.severity] || 0) + 1;
        problems.push({
          file,
          id: item["@id"] || item.id || null,
          severity: result.severity,
          type: result.type,
          path: result.path,
          message: result.message,
        });
      }
    }
  }
  process.stdout.write(JSON.stringify({ items, counts, problems }));
}

main().catch((error) => {
  process.stderr.write(`validate_openactive: ${error.stack || error}\n`);
  process.exit(2);
});
