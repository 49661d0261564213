// Swagger UI in a real browser: loads /swagger-ui/, authorizes with a bearer token, runs "Try it out"
// on GET /api/v1/tickets and waits for the rendered 200 response; keeps a screenshot.
// Usage: node swagger-ui.mjs BASE_URL TOKEN SCREENSHOT_PATH  (playwright-core resolved via NODE_PATH)
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const { chromium } = require("playwright-core");
const [base, token, screenshot] = process.argv.slice(2);

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
  ],
});
const page = await browser.newPage({ viewport: { width: 1400, height: 1600 } });
const failures = [];
page.on("pageerror", (error) => failures.push(`page error: ${error.message}`));
page.on("requestfailed", (request) => failures.push(`request failed: ${request.url()}`));
try {
  await page.goto(`${base}/swagger-ui/`, { waitUntil: "networkidle" });
  await page.waitForSelector(".opblock-tag", { timeout: 30000 });

  // Authorize with the bearer token.
  await page.click("button.btn.authorize");
  const bearer = page.locator(".auth-container").filter({ hasText: "bearer" }).first();
  await bearer.locator("input").first().fill(token);
  await bearer.locator("button.authorize").click();
  await page.locator(".auth-container button.btn-done, .modal-ux button.close-modal").first().click();

  // GET /api/v1/tickets: Try it out, Execute.
  const operation = page.locator(".opblock-get").filter({
    has: page.locator('.opblock-summary-path[data-path="/api/v1/tickets"]'),
  });
  await operation.locator(".opblock-summary").first().click();
  await operation.locator("button.try-out__btn").click();
  await operation.locator("button.execute").click();
  const status = operation.locator(".live-responses-table tbody .response-col_status").first();
  await status.waitFor({ timeout: 30000 });
  const code = (await status.innerText()).trim();
  const body = await operation.locator(".live-responses-table tbody .response-col_description").first().innerText();
  await page.screenshot({ path: screenshot, fullPage: false });
  if (!code.startsWith("200")) throw new Error(`Try it out answered ${code}: ${body.slice(0, 300)}`);
  if (!body.includes('"items"')) throw new Error(`the rendered response has no items: ${body.slice(0, 300)}`);
  if (failures.length) throw new Error(failures.join("\n"));
  console.log(`swagger-ui: authorized, GET /api/v1/tickets answered ${code}; screenshot ${screenshot}`);
} catch (error) {
  await page.screenshot({ path: screenshot, fullPage: true }).catch(() => {});
  console.error(`swagger-ui: FAILED: ${error.message}`);
  process.exitCode = 1;
} finally {
  await browser.close();
}
