'use client';
import { useMutation } from '@tanstack/react-query';
import type { ChangeEvent } from 'react';
import { useTRPC } from '@/trpc/client';
import { Alert, Button } from '@/ui/kit';
import { uploadSubjectImages } from '../subject-dialogs';

type Image = { id: string; dataUrl: string; contentHash: string };
const MAX_IMAGES = 8;

/** The reference images, with add (1–8) and remove (keeps one) while the subject is not erased. */
export function SubjectImages({
  subjectId,
  images,
  erased,
  onChange,
}: {
  subjectId: string;
  images: Image[];
  erased: boolean;
  onChange: () => void;
}) {
  const trpc = useTRPC();
  const add = useMutation({ mutationFn: uploadSubjectImages, onSuccess: onChange });
  const remove = useMutation(trpc.subjects.removeImage.mutationOptions({ onSuccess: onChange }));
  function onFile(event: ChangeEvent<HTMLInputElement>) {
    const file = event.target.files?.[0];
    event.target.value = '';
    if (!file) return;
    const form = new FormData();
    form.set('subjectId', subjectId);
    form.set('images', file);
    add.mutate(form);
  }
  const error = add.error ?? remove.error;
  return (
    <div className="space-y-2">
      <div className="flex flex-wrap items-end gap-2" data-testid="subject-images">
        {images.map((img) => (
          <figure key={img.id} className="space-y-1 text-center">
            <img
              src={img.dataUrl}
              alt={`reference ${img.contentHash.slice(0, 8)}`}
              width={96}
              height={96}
              className="rounded ring-1 ring-slate-200 [image-rendering:pixelated]"
            />
            {!erased && images.length > 1 ? (
              <Button
                tone="ghost"
                className="text-xs"
                disabled={remove.isPending}
                onClick={() => remove.mutate({ subjectId, imageId: img.id })}
              >
                Remove
              </Button>
            ) : null}
          </figure>
        ))}
        {images.length === 0 ? <p className="text-slate-500">No images (erased).</p> : null}
        {!erased && images.length < MAX_IMAGES ? (
          <label className="flex h-24 w-24 cursor-pointer items-center justify-center rounded text-xs text-slate-500 ring-1 ring-slate-300 ring-dashed hover:bg-slate-50">
            + Add image
            <input
              type="file"
              accept="image/png,image/jpeg"
              className="sr-only"
              onChange={onFile}
            />
          </label>
        ) : null}
      </div>
      {error ? <Alert>{error.message}</Alert> : null}
    </div>
  );
}
