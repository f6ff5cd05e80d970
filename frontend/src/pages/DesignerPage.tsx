export function DesignerPage() {
  return <h1>DesignerPage</h1>;
}
