#!/usr/bin/env node
// Bundles the web UI (src/ui/client) into dist/ui/static with esbuild: app.js, login.js, the HTML pages, the
// stylesheet and the icon. Everything the page loads comes from this folder (no CDN, no web fonts). The
// output is built in a temporary folder and swapped in with a rename, so a server never sees half a build.
import {cp, mkdir, rename, rm} from "node:fs/promises";
import {dirname, join} from "node:path";
import {fileURLToPath} from "node:url";
import {build} from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const source = join(root, "src/ui/client");
const target = join(root, "dist/ui/static");
const staging = `${target}.${process.pid}.tmp`;
const STATIC_FILES = ["index.html", "login.html", "app.css", "favicon.svg"];

await rm(staging, {recursive: true, force: true});
await mkdir(staging, {recursive: true});
try {
  await build({
    entryPoints: {app: join(source, "app.ts"), login: join(source, "login.ts")},
    outdir: staging,
    bundle: true,
    format: "esm",
    platform: "browser",
    target: ["es2022", "chrome110", "firefox115", "safari16"],
    minify: true,
    legalComments: "none",
    logLevel: "warning"
  });
  for (const name of STATIC_FILES) await cp(join(source, name), join(staging, name));
  const old = `${target}.${process.pid}.old`;
  await rename(target, old).catch((error) => {
    if (error.code !== "ENOENT") throw error;
  });
  await rename(staging, target);
  await rm(old, {recursive: true, force: true});
} catch (error) {
  await rm(staging, {recursive: true, force: true});
  throw error;
}
