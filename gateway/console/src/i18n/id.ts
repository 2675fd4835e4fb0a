import * as common from './messages/common';
import * as tasks from './messages/tasks';
import * as taskDetail from './messages/task-detail';
import * as library from './messages/library';
import * as admin from './messages/admin';
import * as policy from './messages/policy';
import type { Dictionary } from './en';

/** Bahasa Indonesia. */
export const id: Dictionary = {
  'app.name': 'autocall',
  'language.label': 'Bahasa',
  'login.title': 'Masuk',
  'login.email': 'Email',
  'login.password': 'Kata Sandi',
  'login.submit': 'Masuk',
  'login.busy': 'Sedang masuk…',
  'login.failed.credentials': 'Email atau kata sandi salah.',
  'login.failed.rateLimited': 'Terlalu banyak percobaan masuk yang gagal. Coba lagi dalam {seconds} detik.',
  'login.failed.other': 'Gagal masuk: {detail}',
  'header.signedInAs': 'Masuk sebagai {email}',
  'header.logout': 'Keluar',
  'nav.label': 'Menu utama',
  'nav.voice': 'Suara',
  'nav.autoCall': 'Panggilan Otomatis',
  'nav.scheduler': 'Penjadwal',
  'nav.smsTemplates': 'Templat SMS',
  'nav.taskRoster': 'Daftar Nomor Tugas',
  'nav.recordingFiles': 'Berkas Rekaman',
  'nav.smsAccount': 'Akun SMS',
  'nav.smsMessages': 'Pesan SMS',
  'nav.smsReplies': 'Balasan SMS',
  'nav.users': 'Pengguna',
  'nav.apiKeys': 'Kunci API',
  'nav.auditLog': 'Log Audit',
  'nav.dnc': 'Daftar Jangan Telepon',
  'nav.dialingPolicy': 'Kebijakan Panggilan',
  'nav.webhooks': 'Webhook',
  'nav.administration': 'Administrasi',
  'page.notYet': 'Halaman ini belum selesai dibuat.',
  'page.notFound': 'Halaman tidak ditemukan.',
  'paging.label': 'Halaman',
  'paging.previous': 'Sebelumnya',
  'paging.next': 'Berikutnya',
  'paging.position': 'Halaman {page} dari {pages} ({total} seluruhnya)',
  'time.none': '—',
  'error.forbidden': 'Peran Anda tidak boleh melakukan ini.',
  'error.network': 'Server tidak dapat dihubungi.',
  ...common.id,
  ...tasks.id,
  ...taskDetail.id,
  ...library.id,
  ...admin.id,
  ...policy.id,
};
