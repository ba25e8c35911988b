/**
 * "Archive all": the server has no bulk archive (PATCH /conversations accepts only
 * `{"is_visible": false}`), so every visible conversation is archived one by one, a page at a time.
 */
import { listConversations, patchConversation } from '../api/backend-api.js';

const parallel = 4;

export async function archiveEverything(): Promise<number> {
  let archived = 0;
  const done = new Set<string>();
  for (;;) {
    // Archived chats leave the list, so the first page always holds the next ones.
    const page = await listConversations(0);
    if (page.items.length === 0 || page.items.every((item) => done.has(item.id))) return archived;
    for (const item of page.items) done.add(item.id);
    for (let index = 0; index < page.items.length; index += parallel) {
      const batch = page.items.slice(index, index + parallel);
      await Promise.all(batch.map((item) => patchConversation(item.id, { is_archived: true })));
      archived += batch.length;
    }
  }
}
