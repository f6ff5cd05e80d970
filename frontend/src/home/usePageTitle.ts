// The browser tab names the page, so tabs, history and screen readers tell pages apart.
import { useEffect } from "react";

export function usePageTitle(title: string | null | undefined) {
  useEffect(() => {
    if (title) document.title = `${title} · Graphwright`;
  }, [title]);
}
