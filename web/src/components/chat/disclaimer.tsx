/** The line under the composer. */
export function Disclaimer() {
  return <p className="disclaimer">backchat can make mistakes. Check important info.</p>;
}
