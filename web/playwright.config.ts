import { execSync } from 'node:child_process';
import { defineConfig } from '@playwright/test';

// Playwright cannot download its own browser here; Debian's chromium is driven instead.
const chromium = process.env.CHROMIUM_PATH ?? execSync('command -v chromium || command -v chromium-browser', { shell: '/bin/sh' }).toString().trim();
const port = Number(process.env.MESSENGER_E2E_PORT ?? 5091);

export default defineConfig({
  testDir: 'e2e',
  outputDir: '../TestResults/web-e2e',
  timeout: 120_000,
  expect: { timeout: 10_000 },
  // One worker per spec file, two at a time, in name order: account.spec.ts, whose refresh-timer test
  // mostly waits half a minute, runs beside chat.spec.ts and then connection.spec.ts, so the waiting
  // keeps the run short without loading the machine.
  fullyParallel: false,
  workers: 2,
  retries: 0,
  reporter: [['list'], ['junit', { outputFile: '../TestResults/web-e2e.xml' }]],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    browserName: 'chromium',
    launchOptions: { executablePath: chromium, args: ['--no-sandbox'] },
    viewport: { width: 1180, height: 760 },
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
  webServer: {
    command: 'bash e2e/serve.sh',
    url: `http://127.0.0.1:${port}/health/ready`,
    reuseExistingServer: false,
    timeout: 240_000,
    stdout: 'ignore',
    stderr: 'pipe',
    env: { MESSENGER_E2E_PORT: String(port) },
  },
});
