// Runs the built `validate` on one manifest in this process and prints rows/s and peak RSS as JSON.
import { validateManifest } from "../dist/validate.js";

const manifest = process.argv[2];
const started = performance.now();
const report = await validateManifest({ manifest, plan: "pro", share: 0.8 });
const seconds = (performance.now() - started) / 1000;
console.log(
  JSON.stringify({
    records: report.records,
    invalid: report.invalid,
    seconds,
    rowsPerSecond: Math.round(report.records / seconds),
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
  }),
);
