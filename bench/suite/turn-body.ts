/** The body of one `next` turn as the ChatGPT web app sends it (docs/api.md), for the benches. */
export function nextTurnBody(
  model: string,
  text: string,
  place: { conversationId?: string | null; parentId?: string } = {},
) {
  return {
    action: 'next',
    messages: [
      {
        id: crypto.randomUUID(),
        author: { role: 'user' },
        content: { content_type: 'text', parts: [text] },
        metadata: {},
      },
    ],
    ...(place.conversationId !== undefined && { conversation_id: place.conversationId }),
    parent_message_id: place.parentId ?? crypto.randomUUID(),
    model,
  };
}
