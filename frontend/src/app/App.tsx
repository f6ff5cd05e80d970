// The single-page app: server state through TanStack Query, pages by route (Django serves
// index.html for every designer route, so a reload lands on the same page).
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { BrowserRouter, Route, Routes } from "react-router-dom";
import { Layout } from "./Layout";
import { HomePage } from "../pages/HomePage";
import { DesignerPage } from "../pages/DesignerPage";
import { RunsPage } from "../pages/RunsPage";
import { RunPage } from "../pages/RunPage";
import { DatasetsPage } from "../pages/DatasetsPage";
import { CataloguePage } from "../pages/CataloguePage";
import { CustomModulesPage } from "../custommodules/CustomModulesPage";
import { TargetsPage } from "../targets/TargetsPage";
import { EnvironmentsPage } from "../environments/EnvironmentsPage";
import { NotFoundPage } from "../pages/NotFoundPage";

export const queryClient = new QueryClient({
  defaultOptions: { queries: { retry: 1, refetchOnWindowFocus: false, staleTime: 5_000 } },
});

export function App() {
  return (
    <QueryClientProvider client={queryClient}>
      <BrowserRouter>
        <Routes>
          <Route element={<Layout />}>
            <Route index element={<HomePage />} />
            <Route path="drafts/:draftId" element={<DesignerPage />} />
            <Route path="runs" element={<RunsPage />} />
            <Route path="runs/:runId" element={<RunPage />} />
            <Route path="datasets" element={<DatasetsPage />} />
            <Route path="datasets/:datasetId" element={<DatasetsPage />} />
            <Route path="modules" element={<CataloguePage />} />
            <Route path="modules/:key/:version" element={<CataloguePage />} />
            <Route path="custom-modules" element={<CustomModulesPage />} />
            <Route path="targets" element={<TargetsPage />} />
            <Route path="environments" element={<EnvironmentsPage />} />
            <Route path="*" element={<NotFoundPage />} />
          </Route>
        </Routes>
      </BrowserRouter>
    </QueryClientProvider>
  );
}
