import type { Channel } from '../api/types';

/** The props of a channel type's section on the channel detail page (`channelSections[type]`). */
export interface ChannelSectionProps {
  channel: Channel;
}
