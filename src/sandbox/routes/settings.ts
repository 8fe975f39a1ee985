/**
 * GET /users/{userId}/settings: a fixed set of meeting settings plus the user's virtual background
 * files (`in_meeting.virtual_background_settings.files`), which is what the job reads.
 */
import type { Handler, RouteSpec } from "../context.js";
import { readQueryFields, withUser } from "../context.js";
import type { SandboxUser } from "../users-model.js";
import { publicFile } from "../views.js";

export function settingsView(user: SandboxUser): Record<string, unknown> {
  return {
    schedule_meeting: {
      host_video: true,
      participants_video: true,
      join_before_host: false,
      use_pmi_for_scheduled_meetings: false,
    },
    in_meeting: {
      e2e_encryption: false,
      chat: true,
      screen_sharing: true,
      virtual_background: true,
      virtual_background_settings: {
        enable: true,
        allow_videos: true,
        allow_upload_custom: true,
        files: user.backgrounds.map(publicFile),
      },
      waiting_room: false,
    },
    email_notification: { jbh_reminder: true, cancel_meeting_reminder: true, schedule_for_reminder: true },
    recording: { local_recording: true, cloud_recording: false, auto_recording: "none" },
    telephony: { third_party_audio: false, audio_conference_info: "" },
    feature: { meeting_capacity: 100, large_meeting: false, webinar: false, zoom_phone: false },
  };
}

const getSettings: Handler = (ctx) => {
  const query = readQueryFields(ctx);
  if ("reply" in query) return query.reply;
  return withUser(ctx, (user) => ({ status: 200, body: settingsView(user) }));
};

export const settingsRoutes = {
  getSettings: {
    handler: getSettings,
    query: { login_type: { type: "integer", enum: [0, 1, 11, 21, 23, 24, 27, 97, 98, 99, 100, 101] } },
  },
} satisfies Record<string, RouteSpec>;
