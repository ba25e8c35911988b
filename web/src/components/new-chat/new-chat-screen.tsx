/** The empty state of a new chat: the mark, a greeting (or what a temporary chat means). */
import { GhostIcon, LogoMark } from '../ui/icons.js';

export function NewChatScreen({ temporary, demoModel }: { temporary: boolean; demoModel: boolean }) {
  if (temporary) {
    return (
      <div className="new-chat-hero">
        <div className="hero-mark temporary">
          <GhostIcon size={30} />
        </div>
        <h1 className="hero-title">Temporary chat</h1>
        <p className="hero-text">
          This chat won’t appear in your history and is deleted from the server after the retention period.
        </p>
      </div>
    );
  }
  return (
    <div className="new-chat-hero">
      <div className="hero-mark">
        <LogoMark size={56} />
      </div>
      <h1 className="hero-title">How can I help you today?</h1>
      {demoModel && (
        <p className="hero-text">
          You are talking to the built-in <strong>demo model</strong>: it restates your message instead of answering.
          Connect a real model to chat for real.
        </p>
      )}
    </div>
  );
}
