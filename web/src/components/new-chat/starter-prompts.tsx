/** The four starter prompt cards of a new chat; choosing one sends its prompt. */
import type { WirePromptItem } from '../../../../src/protocol/wire-types.js';
import { SendIcon } from '../ui/icons.js';

interface StarterPromptsProps {
  prompts: WirePromptItem[] | null;
  onChoose: (prompt: WirePromptItem) => void;
}

export function StarterPrompts({ prompts, onChoose }: StarterPromptsProps) {
  if (prompts === null) {
    return (
      <div className="starter-prompts" aria-busy="true">
        {[0, 1, 2, 3].map((index) => (
          <div key={index} className="starter-prompt skeleton" />
        ))}
      </div>
    );
  }
  if (prompts.length === 0) return null;
  return (
    <ul className="starter-prompts" aria-label="Starter prompts">
      {prompts.map((prompt) => (
        <li key={prompt.id}>
          <button type="button" className="starter-prompt" onClick={() => onChoose(prompt)}>
            <span className="starter-prompt-title">{prompt.title}</span>
            <span className="starter-prompt-description">{prompt.description}</span>
            <span className="starter-prompt-send" aria-hidden="true">
              <SendIcon size={14} />
            </span>
          </button>
        </li>
      ))}
    </ul>
  );
}
