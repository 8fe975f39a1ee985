// Runs the built `plan` (planDesired) of one manifest against one Zoom target in this process and
// prints its figures and peak RSS as JSON: the RSS is the planner's alone, not the bench's.
import { planDesired } from "../dist/desired/plan.js";

const [manifest, target] = process.argv.slice(2);
const started = performance.now();
const plan = await planDesired({ manifest, plan: "business", share: 1, zoom: JSON.parse(target) });
console.log(
  JSON.stringify({
    read_ms: plan.read.ms,
    page_size: plan.read.page_size,
    pages: plan.read.pages,
    users_changing: plan.users_changing,
    total_seconds: (performance.now() - started) / 1000,
    peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
  }),
);
