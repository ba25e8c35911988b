/**
 * gen_title (docs/api.md): asks the conversation's model for a title from the first exchange,
 * cleans it, stores it unless the conversation already has one, and answers in ChatGPT's shapes.
 */
import type { Clock } from '../clock.js';
import { NotFoundError } from '../domain-errors.js';
import type { ProviderRegistry } from '../providers/registry.js';
import type { ConversationRecord, ConversationStore, MessageRecord } from '../store/store.js';
import { messageText } from './prompt-builder.js';
import { cleanTitle, fallbackTitle, titlePrompt } from './title.js';

export interface TitleGeneratorDeps {
  store: ConversationStore;
  providers: ProviderRegistry;
  clock: Clock;
}

/** A title model that has not answered by then is abandoned for the fallback title. */
const titleTimeoutMs = 20_000;
const titleMaxTokens = 32;

function alreadyTitled(id: string, title: string): { message: string } {
  return { message: `Conversation ${id} already has title '${title}'` };
}

export class TitleGenerator {
  constructor(private readonly deps: TitleGeneratorDeps) {}

  /** `conversation` must be a visible conversation of `userId`. */
  async generate(
    userId: string,
    conversation: ConversationRecord,
    messageId: string | undefined,
  ): Promise<{ title: string } | { message: string }> {
    const id = conversation.id;
    if (conversation.title !== null) return alreadyTitled(id, conversation.title);
    const path = await this.deps.store.pathToMessage(userId, id, messageId ?? conversation.currentNode);
    if (path.length === 0)
      throw new NotFoundError(`Message ${messageId} not found in this conversation`, 'message_not_found');
    const title = await this.askModel(conversation.defaultModel, path);
    if (await this.deps.store.setTitleIfUntitled(userId, id, title)) return { title };
    const current = await this.deps.store.getConversation(userId, id);
    return alreadyTitled(id, current?.title ?? title);
  }

  private async askModel(modelSlug: string | null, path: readonly MessageRecord[]): Promise<string> {
    const user = path.find((message) => message.role === 'user');
    const assistant = path.find((message) => message.role === 'assistant');
    const userText = user ? messageText(user) : '';
    const { model, provider } = this.deps.providers.resolve(modelSlug);
    const signal = AbortSignal.timeout(titleTimeoutMs);
    let text = '';
    const request = {
      model,
      messages: titlePrompt(userText, assistant ? messageText(assistant) : ''),
      maxOutputTokens: titleMaxTokens,
    };
    for await (const part of provider.streamChat({ ...request, purpose: 'title' }, signal)) {
      if (part.type === 'text-delta') text += part.text;
    }
    return cleanTitle(text) || fallbackTitle(userText);
  }
}
