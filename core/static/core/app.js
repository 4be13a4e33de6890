// Starts GOV.UK Frontend's components (error summary focus, service navigation on phones,
// character counts, tabs, notification banners). A module: browsers too old for modules get the
// pages without these enhancements, which all work without JavaScript.
import { initAll } from "../govuk/govuk-frontend.min.js";

document.body.classList.add("js-enabled", "govuk-frontend-supported");
initAll();
