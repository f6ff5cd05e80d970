import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { renderAt } from "./testServer";
import { NotFoundPage } from "../pages/NotFoundPage";

describe("NotFoundPage", () => {
  it("names the address that has no page and leads back home", async () => {
    renderAt(<NotFoundPage />, { path: "*", url: "/no/such/page" });
    expect(screen.getByRole("heading", { name: "Page not found", level: 1 })).toBeInTheDocument();
    expect(screen.getByText("/no/such/page", { selector: "code" })).toBeInTheDocument();
    expect(document.title).toBe("Page not found · Graphwright");
    await userEvent.click(screen.getByRole("link", { name: "Back to your pipelines" }));
    await waitFor(() => expect(screen.getByTestId("location")).toHaveTextContent(/^\/$/));
  });
});
