// Any address the app has no page for: say so, show the address, and offer a way back.
import { Link, useLocation, useNavigate } from "react-router-dom";
import { usePageTitle } from "../home/usePageTitle";
import "../home/pages.css";

export function NotFoundPage() {
  const location = useLocation();
  const navigate = useNavigate();
  usePageTitle("Page not found");
  const canGoBack = typeof window !== "undefined" && window.history.length > 1;
  return (
    <div className="list-page">
      <div className="panel empty-state">
        <h1>Page not found</h1>
        <p>
          There is no page at <code>{location.pathname}</code>.
        </p>
        <p className="muted">The address may be mistyped, or what it pointed to was deleted.</p>
        <p className="row-actions" style={{ justifyContent: "center" }}>
          <Link to="/">Back to your pipelines</Link>
          {canGoBack && (
            <button type="button" onClick={() => navigate(-1)}>
              Go back
            </button>
          )}
        </p>
      </div>
    </div>
  );
}
