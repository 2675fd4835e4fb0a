import type { ReactNode } from 'react';
import { Dialog, Heading, Modal, ModalOverlay } from 'react-aria-components';

/**
 * A modal dialog with a title (React Aria: focus moves in and is trapped, Escape closes, focus
 * returns to the control that opened it). `isOpen`/`onOpenChange` make it controlled; the body is
 * given `close` to end it from inside (after a successful "Confirm").
 */
export function FormDialog({ title, isOpen, onOpenChange, children, wide }: { title: string; isOpen: boolean; onOpenChange(open: boolean): void; children: (close: () => void) => ReactNode; wide?: boolean }) {
  return (
    <ModalOverlay className="modal-overlay" isOpen={isOpen} onOpenChange={onOpenChange} isDismissable>
      <Modal className={wide ? 'modal wide' : 'modal'}>
        <Dialog className="dialog">
          {({ close }) => (
            <>
              <Heading slot="title" className="dialog-title">
                {title}
              </Heading>
              {children(close)}
            </>
          )}
        </Dialog>
      </Modal>
    </ModalOverlay>
  );
}
