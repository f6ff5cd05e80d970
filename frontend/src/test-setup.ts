import "@testing-library/jest-dom/vitest";
import { configure } from "@testing-library/react";

// findBy*/waitFor give up after 1 s by default: when the front-end suite shares two cores with the
// two pytest passes (make test runs them at once), a page's first render can take longer than that
configure({ asyncUtilTimeout: 10_000 });
