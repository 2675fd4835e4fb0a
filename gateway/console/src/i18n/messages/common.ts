/**
 * Words the shared components use (dialogs, confirmations, forms, API errors), in every language
 * under the same keys; en.ts, zh.ts and id.ts spread them in.
 */
export const en = {
  'common.confirm': 'Confirm',
  'common.cancel': 'Cancel',
  'common.close': 'Close',
  'common.saving': 'Saving…',
  'common.loading': 'Loading…',
  'common.actions': 'Actions',
  'common.edit': 'Edit',
  'common.delete': 'Delete',
  'common.add': 'Add',
  'common.required': 'This field is required.',
  'common.confirmDelete': 'Delete “{name}”? This cannot be undone.',
  'error.rateLimited': 'Too many requests. Try again in {seconds} seconds.',
  'error.notFound': 'It is not there any more.',
  'error.conflict': 'It was changed meanwhile: {detail}',
  'error.server': 'Something went wrong on our side. Try again.',
  'error.other': '{detail}',
} as const;

type Same = Record<keyof typeof en, string>;
export const zh: Same = {
  'common.confirm': '确认',
  'common.cancel': '取消',
  'common.close': '关闭',
  'common.saving': '正在保存…',
  'common.loading': '正在加载…',
  'common.actions': '操作',
  'common.edit': '编辑',
  'common.delete': '删除',
  'common.add': '添加',
  'common.required': '此项为必填项。',
  'common.confirmDelete': '确定删除“{name}”？此操作无法撤销。',
  'error.rateLimited': '请求过多，请在 {seconds} 秒后重试。',
  'error.notFound': '它已不存在。',
  'error.conflict': '它已被修改：{detail}',
  'error.server': '服务器出错，请重试。',
  'error.other': '{detail}',
};
export const id: Same = {
  'common.confirm': 'Konfirmasi',
  'common.cancel': 'Batal',
  'common.close': 'Tutup',
  'common.saving': 'Menyimpan…',
  'common.loading': 'Memuat…',
  'common.actions': 'Tindakan',
  'common.edit': 'Ubah',
  'common.delete': 'Hapus',
  'common.add': 'Tambah',
  'common.required': 'Kolom ini wajib diisi.',
  'common.confirmDelete': 'Hapus “{name}”? Tindakan ini tidak dapat dibatalkan.',
  'error.rateLimited': 'Terlalu banyak permintaan. Coba lagi dalam {seconds} detik.',
  'error.notFound': 'Data ini sudah tidak ada.',
  'error.conflict': 'Data ini telah berubah: {detail}',
  'error.server': 'Terjadi kesalahan di server kami. Coba lagi.',
  'error.other': '{detail}',
};
