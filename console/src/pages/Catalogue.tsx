// Placeholder until the page is written.
export function CataloguePage() {
  return <p>Catalogue</p>;
}
