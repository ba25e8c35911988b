/**
 * "Share" on an open conversation: creates a snapshot of the branch on screen (`POST …/share/create`
 * with the displayed leaf), shows its link, and "Copy link" makes it public (`PATCH …/share/{id}`
 * `is_public`, `is_visible`) before copying it. "Share your name" shows the author's name on the page.
 */
import { useEffect, useRef, useState } from 'react';
import { describeError } from '../../api/api-error.js';
import { createShare, type Share, updateShare } from '../../api/share-api.js';
import { copyText } from '../../lib/clipboard.js';
import type { ThreadStore } from '../../state/thread-store.js';
import { Dialog } from '../ui/dialog.js';
import { FormMessages } from '../ui/form-messages.js';
import { CheckIcon, LinkIcon } from '../ui/icons.js';
import { Switch } from '../ui/switch.js';

interface ShareDialogProps {
  store: ThreadStore;
  onClose: () => void;
}

export function ShareDialog({ store, onClose }: ShareDialogProps) {
  const [share, setShare] = useState<Share | null>(null);
  const [showName, setShowName] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [copied, setCopied] = useState(false);
  const linkRef = useRef<HTMLInputElement>(null);

  // The snapshot is the branch shown now: its leaf is the tree's current node.
  // biome-ignore lint/correctness/useExhaustiveDependencies: one share per opening of the dialog
  useEffect(() => {
    const conversationId = store.getView().conversationId;
    if (!conversationId) return;
    let live = true;
    createShare(conversationId, store.getTree().currentNode, true).then(
      (created) => {
        if (!live) return;
        setShare(created);
        setShowName(!created.is_anonymous);
      },
      (failure) => live && setError(describeError(failure)),
    );
    return () => {
      live = false;
    };
  }, []);

  const copyLink = async () => {
    if (!share) return;
    setBusy(true);
    setError(null);
    try {
      const updated = await updateShare(share.share_id, {
        is_public: true,
        is_visible: true,
        is_anonymous: !showName,
      });
      setShare(updated);
      if (await copyText(updated.share_url)) setCopied(true);
      else linkRef.current?.select();
    } catch (failure) {
      setError(describeError(failure));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog open title="Share link to chat" onClose={onClose} className="share-dialog">
      <div className="dialog-body">
        <p className="dialog-text">
          Messages you send after creating the link won’t be shared. Anyone with the link can read the shared chat,
          signed in or not.
        </p>
        <div className="share-preview">
          <span className="share-preview-title">{share?.title ?? store.getView().title ?? 'New chat'}</span>
          <div className="share-link-row">
            <input
              ref={linkRef}
              type="text"
              readOnly
              aria-label="Share link"
              spellCheck={false}
              value={share?.share_url ?? ''}
              placeholder={error ? '' : 'Creating link…'}
              onFocus={(event) => event.target.select()}
            />
            <button
              type="button"
              className="button button-primary small"
              disabled={!share || busy}
              onClick={() => void copyLink()}
            >
              {copied ? <CheckIcon size={16} /> : <LinkIcon size={16} />}
              {copied ? 'Copied' : 'Copy link'}
            </button>
          </div>
        </div>
        <div className="share-option">
          <Switch
            label="Share your name"
            showLabel
            checked={showName}
            onChange={(value) => {
              setShowName(value);
              setCopied(false);
            }}
          />
        </div>
        <FormMessages error={error} notice={copied ? 'Link copied. Anyone with it can now read this chat.' : null} />
      </div>
    </Dialog>
  );
}
