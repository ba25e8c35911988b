/**
 * The message-tree invariants (docs/architecture.md, "Data"), checked over the WHOLE database with raw queries.
 * Run it after every fault scenario: `assert.deepEqual(await checkTreeInvariants(db), [])`.
 *
 * T1 a message's parent is null only for the root (role `root`), otherwise exists in the same
 * conversation · T2 exactly one root per conversation, it is `root_id`, no cycles · T3 `current_node`
 * exists in the conversation · T4 every message's owner is the conversation's owner · T5 (optional)
 * every acknowledged user message exists · T6 nothing is `in_progress` (unless allowed) ·
 * T7 create_time ≤ update_time where both are set.
 */
import { type DatabaseConfig, openDatabase } from '../../src/store/open-database.js';

export interface TreeCheckOptions {
  /** T6 is skipped when a stream may legitimately be live. Default false. */
  allowInProgress?: boolean;
  /** T5: user messages the server acknowledged (their stream started); each must exist. */
  acknowledged?: { conversationId: string; messageId: string }[];
}

interface MessageRow {
  conversation_id: string;
  id: string;
  parent_id: string | null;
  owner_id: string;
  role: string;
  status: string;
  create_time: number | null;
  update_time: number | null;
}

interface ConversationRow {
  id: string;
  owner_id: string;
  root_id: string;
  current_node: string;
}

type Messages = Map<string, MessageRow>;

function checkMessage(
  message: MessageRow,
  conversation: ConversationRow,
  siblings: Messages,
  options: TreeCheckOptions,
): string[] {
  const where = `conversation ${conversation.id}: message ${message.id}`;
  const violations: string[] = [];
  if (message.parent_id === null && message.role !== 'root')
    violations.push(`T1 ${where} has no parent but role ${message.role}`);
  if (message.parent_id !== null && !siblings.has(message.parent_id)) {
    violations.push(`T1 ${where} has parent ${message.parent_id}, which is not in the conversation`);
  }
  if (message.owner_id !== conversation.owner_id) {
    violations.push(`T4 ${where} is owned by ${message.owner_id}, the conversation by ${conversation.owner_id}`);
  }
  if (!options.allowInProgress && message.status === 'in_progress') violations.push(`T6 ${where} is in_progress`);
  if (message.create_time !== null && message.update_time !== null && message.create_time > message.update_time) {
    violations.push(`T7 ${where} has create_time ${message.create_time} > update_time ${message.update_time}`);
  }
  return violations;
}

/** Walks up from `start`; true when it loops before reaching a root or a dangling parent. */
function inCycle(start: MessageRow, messages: Messages): boolean {
  const seen = new Set<string>();
  let node: MessageRow | undefined = start;
  while (node?.parent_id != null) {
    if (seen.has(node.id)) return true;
    seen.add(node.id);
    node = messages.get(node.parent_id);
  }
  return false;
}

function checkConversation(conversation: ConversationRow, messages: Messages, options: TreeCheckOptions): string[] {
  const where = `conversation ${conversation.id}`;
  const rows = [...messages.values()];
  const violations = rows.flatMap((message) => checkMessage(message, conversation, messages, options));
  const roots = rows.filter((message) => message.parent_id === null).map((message) => message.id);
  if (roots.length !== 1) violations.push(`T2 ${where} has ${roots.length} roots (${roots.join(', ')})`);
  else if (roots[0] !== conversation.root_id)
    violations.push(`T2 ${where}: root_id ${conversation.root_id} is not its root ${roots[0]}`);
  const cyclic = rows.filter((message) => inCycle(message, messages)).map((message) => message.id);
  if (cyclic.length > 0) violations.push(`T2 ${where} has a cycle through ${cyclic.join(', ')}`);
  if (!messages.has(conversation.current_node)) {
    violations.push(`T3 ${where}: current_node ${conversation.current_node} is not in the conversation`);
  }
  return violations;
}

function groupByConversation(rows: MessageRow[]): Map<string, Messages> {
  const groups = new Map<string, Messages>();
  for (const row of rows) {
    const group = groups.get(row.conversation_id) ?? new Map<string, MessageRow>();
    group.set(row.id, row);
    groups.set(row.conversation_id, group);
  }
  return groups;
}

function checkAcknowledged(groups: Map<string, Messages>, options: TreeCheckOptions): string[] {
  return (options.acknowledged ?? [])
    .filter(({ conversationId, messageId }) => groups.get(conversationId)?.get(messageId)?.role !== 'user')
    .map(
      ({ conversationId, messageId }) =>
        `T5 conversation ${conversationId}: acknowledged user message ${messageId} is missing`,
    );
}

/** Every violation of T1–T7 in the database, as readable lines starting with the invariant; [] = all good. */
export async function checkTreeInvariants(
  target: DatabaseConfig | { config: DatabaseConfig },
  options: TreeCheckOptions = {},
): Promise<string[]> {
  const { db } = await openDatabase('config' in target ? target.config : target);
  try {
    const conversations = await db
      .selectFrom('conversations')
      .select(['id', 'owner_id', 'root_id', 'current_node'])
      .orderBy('id')
      .execute();
    const messages = await db
      .selectFrom('messages')
      .select(['conversation_id', 'id', 'parent_id', 'owner_id', 'role', 'status', 'create_time', 'update_time'])
      .orderBy('seq')
      .execute();
    const groups = groupByConversation(messages);
    const orphans = [...groups.keys()].filter((id) => !conversations.some((conversation) => conversation.id === id));
    return [
      ...conversations.flatMap((conversation) =>
        checkConversation(conversation, groups.get(conversation.id) ?? new Map(), options),
      ),
      ...orphans.map((id) => `T1 messages of conversation ${id}, which does not exist`),
      ...checkAcknowledged(groups, options),
    ];
  } finally {
    await db.destroy();
  }
}
