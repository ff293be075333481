// puppeteer's project configuration, read from the working directory both
// when puppeteer is installed (`npm ci`) and when it launches a browser.
//
// The tests and the bench drive the system Chromium that the README's
// commands install (Debian package `chromium`, which also brings the
// SwiftShader Vulkan driver that gives WebGPU an adapter without a GPU), so
// puppeteer never downloads a browser of its own: `npm ci` needs no access to
// Google's download servers.
//
// - PUPPETEER_EXECUTABLE_PATH still wins (puppeteer reads it after this file).
// - Without /usr/bin/chromium (macOS, other distributions) no path is set and
//   puppeteer looks for its own Chrome: `npx puppeteer browsers install chrome`
//   fetches it, or PUPPETEER_SKIP_DOWNLOAD=false makes `npm ci` do so.
const { existsSync } = require('node:fs');

const SYSTEM_CHROMIUM = '/usr/bin/chromium';

module.exports = {
  skipDownload: true,
  ...(existsSync(SYSTEM_CHROMIUM) ? { executablePath: SYSTEM_CHROMIUM } : {}),
};
