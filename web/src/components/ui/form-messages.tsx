/** The outcome of a form or button: the error (an alert) or a success notice (a status). */

export function FormMessages({ error, notice }: { error: string | null; notice?: string | null }) {
  if (error) {
    return (
      <p className="form-error" role="alert">
        {error}
      </p>
    );
  }
  if (notice) {
    return (
      <p className="form-success" role="status">
        {notice}
      </p>
    );
  }
  return null;
}
