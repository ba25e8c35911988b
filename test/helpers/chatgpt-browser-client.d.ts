/**
 * Types for the parts of `@waylaidwanderer/chatgpt-api`'s ChatGPTBrowserClient (v1.37.3, plain JS)
 * that the client tests call. Described from src/ChatGPTBrowserClient.js, not from the package.
 */
declare module '@waylaidwanderer/chatgpt-api/src/ChatGPTBrowserClient.js' {
  export interface BrowserClientOptions {
    accessToken: string;
    /** Sent verbatim as the Cookie header; `undefined` sends the literal string "undefined". */
    cookies?: string;
    /** The full conversation URL; gen_title and PATCH are built from it. */
    reverseProxyUrl?: string;
    model?: string;
    debug?: boolean;
  }

  /** Passed to `new Keyv(cacheOptions)`; with no `store`, keyv keeps everything in a Map. */
  export interface BrowserClientCacheOptions {
    store?: Map<unknown, unknown>;
    namespace?: string;
  }

  /** The last assistant SSE event, plus the title promise set on a new conversation. */
  export interface BrowserClientEvent {
    conversation_id: string;
    message: { id: string; author: { role: string }; content: { content_type: string; parts: string[] } };
    title?: Promise<string | null>;
  }

  export interface BrowserClientReply {
    response: string;
    conversationId: string;
    /** The id of the user message this reply answers. */
    parentMessageId: string;
    /** The assistant message id: the next turn's parentMessageId. */
    messageId: string;
    details: BrowserClientEvent;
  }

  export interface BrowserClientSendOptions {
    conversationId?: string;
    parentMessageId?: string;
    onProgress?: (delta: string) => void;
    abortController?: AbortController;
  }

  export default class ChatGPTBrowserClient {
    constructor(options: BrowserClientOptions, cacheOptions?: BrowserClientCacheOptions);
    sendMessage(message: string, options?: BrowserClientSendOptions): Promise<BrowserClientReply>;
    /** PATCHes `{"is_visible":false}`; the returned promise never settles (a client bug). */
    deleteConversation(conversationId: string): Promise<never>;
  }
}
