/**
 * Settings, in tabs: General (theme, analytics, chat history), Data (import, export, shared links),
 * Security (password, signed-in devices) and API tokens. Upright tabs beside the content on desktop,
 * a row above it on phones. All but General are loaded when first opened, so the chat's first load
 * stays small.
 */
import { lazy } from 'react';
import { useIsMobile } from '../../hooks/use-media-query.js';
import { Dialog } from '../ui/dialog.js';
import { DatabaseIcon, KeyIcon, SettingsIcon, ShieldIcon } from '../ui/icons.js';
import { type TabItem, Tabs } from '../ui/tabs.js';
import { GeneralSection, type GeneralSectionProps } from './general-section.js';

const SecuritySection = lazy(() =>
  import('./security-section.js').then((module) => ({ default: module.SecuritySection })),
);
const DataSection = lazy(() => import('./data-section.js').then((module) => ({ default: module.DataSection })));
const ApiTokensSection = lazy(() =>
  import('./api-tokens-section.js').then((module) => ({ default: module.ApiTokensSection })),
);

interface SettingsDialogProps extends GeneralSectionProps {
  open: boolean;
  onClose: () => void;
}

export function SettingsDialog({ open, onClose, ...general }: SettingsDialogProps) {
  const mobile = useIsMobile();
  const tabs: TabItem[] = [
    {
      id: 'general',
      label: 'General',
      icon: <SettingsIcon size={18} />,
      render: () => <GeneralSection {...general} />,
    },
    { id: 'data', label: 'Data', icon: <DatabaseIcon size={18} />, render: () => <DataSection /> },
    { id: 'security', label: 'Security', icon: <ShieldIcon size={18} />, render: () => <SecuritySection /> },
    { id: 'tokens', label: 'API tokens', icon: <KeyIcon size={18} />, render: () => <ApiTokensSection /> },
  ];
  return (
    <Dialog open={open} title="Settings" onClose={onClose} className="tabbed-dialog settings-dialog">
      <Tabs tabs={tabs} label="Settings sections" orientation={mobile ? 'horizontal' : 'vertical'} />
    </Dialog>
  );
}
