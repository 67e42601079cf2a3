CREATE DATABASE IF NOT EXISTS `t_<tenant>`;

CREATE TABLE IF NOT EXISTS `t_<tenant>`.`event_data` (
  `event` VARCHAR(255) NOT NULL,
  `event_time` DATETIME NOT NULL,
  `event_day` DATE NULL,
  `contact_id` BIGINT NULL,
  `channel_id` BIGINT NULL,
  `channel_account_id` BIGINT NULL,
  `message_id` VARCHAR(65533) NULL,
  `direction` VARCHAR(65533) NULL,
  `journey_id` BIGINT NULL,
  `received_at` DATETIME NULL,
  `extra` JSON NULL,
  `p_11` DOUBLE NULL,
  `p_12` VARCHAR(65533) NULL,
  `p_13` VARCHAR(65533) NULL
)
DUPLICATE KEY (`event`, `event_time`)
PARTITION BY date_trunc('month', `event_time`)
PROPERTIES ("replication_num" = "1", "fast_schema_evolution" = "true");

CREATE TABLE IF NOT EXISTS `t_<tenant>`.`contact_data` (
  `id` BIGINT NOT NULL,
  `identified` BOOLEAN NULL,
  `name` VARCHAR(65533) NULL,
  `gender` VARCHAR(65533) NULL,
  `birthday` DATE NULL,
  `mobile` VARCHAR(65533) NULL,
  `email` VARCHAR(65533) NULL,
  `country` VARCHAR(65533) NULL,
  `province` VARCHAR(65533) NULL,
  `city` VARCHAR(65533) NULL,
  `utm_source` VARCHAR(65533) NULL,
  `utm_medium` VARCHAR(65533) NULL,
  `utm_campaign` VARCHAR(65533) NULL,
  `utm_content` VARCHAR(65533) NULL,
  `utm_term` VARCHAR(65533) NULL,
  `first_seen_at` DATETIME NULL,
  `last_active_at` DATETIME NULL,
  `created_at` DATETIME NULL,
  `updated_at` DATETIME NULL,
  `nickname` VARCHAR(65533) NULL,
  `avatar` VARCHAR(65533) NULL,
  `company` VARCHAR(65533) NULL,
  `department` VARCHAR(65533) NULL,
  `title` VARCHAR(65533) NULL,
  `industry` VARCHAR(65533) NULL,
  `home_phone` VARCHAR(65533) NULL,
  `id_card` VARCHAR(65533) NULL,
  `postal_code` VARCHAR(65533) NULL,
  `street` VARCHAR(65533) NULL,
  `website` VARCHAR(65533) NULL,
  `comment` VARCHAR(65533) NULL,
  `p_21` BIGINT NULL
)
PRIMARY KEY (`id`)
DISTRIBUTED BY HASH(`id`)
PROPERTIES ("replication_num" = "1", "fast_schema_evolution" = "true", "enable_persistent_index" = "true");

CREATE TABLE IF NOT EXISTS `t_<tenant>`.`contact_alias` (
  `from_contact_id` BIGINT NOT NULL,
  `to_contact_id` BIGINT NULL
)
PRIMARY KEY (`from_contact_id`)
DISTRIBUTED BY HASH(`from_contact_id`)
PROPERTIES ("replication_num" = "1", "fast_schema_evolution" = "true", "enable_persistent_index" = "true");

CREATE TABLE IF NOT EXISTS `t_<tenant>`.`group_member_data` (
  `group_id` BIGINT NOT NULL,
  `version` INT NOT NULL,
  `contact_id` BIGINT NOT NULL
)
PRIMARY KEY (`group_id`, `version`, `contact_id`)
DISTRIBUTED BY HASH(`contact_id`)
PROPERTIES ("replication_num" = "1", "fast_schema_evolution" = "true", "enable_persistent_index" = "true");

CREATE TABLE IF NOT EXISTS `t_<tenant>`.`group_delta_data` (
  `group_id` BIGINT NOT NULL,
  `version` INT NOT NULL,
  `contact_id` BIGINT NOT NULL,
  `member` BOOLEAN NULL
)
PRIMARY KEY (`group_id`, `version`, `contact_id`)
DISTRIBUTED BY HASH(`contact_id`)
PROPERTIES ("replication_num" = "1", "fast_schema_evolution" = "true", "enable_persistent_index" = "true");

CREATE TABLE IF NOT EXISTS `t_<tenant>`.`tag_value_data` (
  `tag_id` BIGINT NOT NULL,
  `calc_date` DATE NOT NULL,
  `run` INT NOT NULL DEFAULT "0",
  `contact_id` BIGINT NOT NULL,
  `value_string` VARCHAR(65533) NULL,
  `value_number` DOUBLE NULL,
  `value_strings` ARRAY<VARCHAR(65533)> NULL
)
PRIMARY KEY (`tag_id`, `calc_date`, `run`, `contact_id`)
DISTRIBUTED BY HASH(`contact_id`)
PROPERTIES ("replication_num" = "1", "fast_schema_evolution" = "true", "enable_persistent_index" = "true");

CREATE TABLE IF NOT EXISTS `t_<tenant>`.`event_type` (
  `code` VARCHAR(128) NOT NULL,
  `alias` VARCHAR(65533) NULL
)
PRIMARY KEY (`code`)
DISTRIBUTED BY HASH(`code`)
PROPERTIES ("replication_num" = "1", "fast_schema_evolution" = "true", "enable_persistent_index" = "true");

CREATE TABLE IF NOT EXISTS `t_<tenant>`.`dimension_31_data` (
  `f_1` VARCHAR(65533) NULL,
  `f_2` DOUBLE NULL
)
PROPERTIES ("replication_num" = "1", "fast_schema_evolution" = "true");

INSERT INTO `t_<tenant>`.`event_type` (`code`, `alias`) VALUES ('purchase', 'purchase'), ('subscribe', 'wechat_subscribe');

DELETE FROM `t_<tenant>`.`event_type` WHERE `code` NOT IN ('purchase', 'subscribe');

CREATE VIEW IF NOT EXISTS `t_<tenant>`.`event_view` AS SELECT e.contact_id AS contact_id, e.event AS event, COALESCE(et.alias, e.event) AS event_alias, convert_tz(e.event_time, '+00:00', 'Asia/Shanghai') AS event_date, e.event_day AS event_day, e.channel_id AS s_channel_id, e.channel_account_id AS s_channel_account_id, e.message_id AS s_message_id, e.direction AS s_direction, e.journey_id AS s_journey_id, e.`p_11` AS `p_amount`, e.`p_12` AS `p_sku`, e.`p_13` AS `s_msg_type` FROM (SELECT COALESCE(a.to_contact_id, e.contact_id) AS contact_id, e.contact_id AS source_contact_id, e.`event_time`, e.`event_day`, e.`event`, e.`channel_id`, e.`channel_account_id`, e.`message_id`, e.`direction`, e.`journey_id`, e.`received_at`, e.`extra`, e.`p_11`, e.`p_12`, e.`p_13`, e.`p_13` AS `s_msg_type` FROM `t_<tenant>`.`event_data` AS e LEFT JOIN `t_<tenant>`.`contact_alias` AS a ON a.from_contact_id = e.contact_id) AS e LEFT JOIN `t_<tenant>`.`event_type` AS et ON et.code = e.event;

CREATE VIEW IF NOT EXISTS `t_<tenant>`.`contact_view` AS SELECT c.`id`, c.`identified`, c.`name`, c.`gender`, c.`birthday`, c.`mobile`, c.`email`, c.`country`, c.`province`, c.`city`, c.`utm_source`, c.`utm_medium`, c.`utm_campaign`, c.`utm_content`, c.`utm_term`, convert_tz(c.`first_seen_at`, '+00:00', 'Asia/Shanghai') AS `first_seen_at`, convert_tz(c.`last_active_at`, '+00:00', 'Asia/Shanghai') AS `last_active_at`, convert_tz(c.`created_at`, '+00:00', 'Asia/Shanghai') AS `created_at`, convert_tz(c.`updated_at`, '+00:00', 'Asia/Shanghai') AS `updated_at`, c.`nickname`, c.`avatar`, c.`company`, c.`department`, c.`title`, c.`industry`, c.`home_phone`, c.`id_card`, c.`postal_code`, c.`street`, c.`website`, c.`comment`, c.`p_21` AS `p_attr21` FROM `t_<tenant>`.`contact_data` AS c;

CREATE ROLE IF NOT EXISTS `t_<tenant>_sql`;

CREATE USER IF NOT EXISTS 't_<tenant>_sql'@'%' IDENTIFIED BY '<password>' DEFAULT ROLE `t_<tenant>_sql`;

ALTER USER 't_<tenant>_sql'@'%' IDENTIFIED BY '<password>';

GRANT SELECT ON VIEW `t_<tenant>`.`event_view` TO ROLE `t_<tenant>_sql`;

GRANT SELECT ON VIEW `t_<tenant>`.`contact_view` TO ROLE `t_<tenant>_sql`;

GRANT SELECT ON TABLE `t_<tenant>`.`event_data` TO ROLE `t_<tenant>_sql`;

GRANT SELECT ON TABLE `t_<tenant>`.`contact_alias` TO ROLE `t_<tenant>_sql`;

GRANT SELECT ON TABLE `t_<tenant>`.`event_type` TO ROLE `t_<tenant>_sql`;

GRANT SELECT ON TABLE `t_<tenant>`.`contact_data` TO ROLE `t_<tenant>_sql`;

GRANT SELECT ON TABLE `t_<tenant>`.`group_member_data` TO ROLE `t_<tenant>_sql`;

GRANT SELECT ON TABLE `t_<tenant>`.`group_delta_data` TO ROLE `t_<tenant>_sql`;

GRANT SELECT ON TABLE `t_<tenant>`.`tag_value_data` TO ROLE `t_<tenant>_sql`;

GRANT `t_<tenant>_sql` TO USER 't_<tenant>_sql'@'%';

SET DEFAULT ROLE `t_<tenant>_sql` TO 't_<tenant>_sql'@'%';

CREATE RESOURCE GROUP IF NOT EXISTS `t_<tenant>_sql` TO (user='t_<tenant>_sql') WITH ('cpu_weight' = '1', 'mem_limit' = '20%', 'concurrency_limit' = '4', 'big_query_cpu_second_limit' = '300', 'big_query_scan_rows_limit' = '1000000000', 'big_query_mem_limit' = '8589934592');

ALTER RESOURCE GROUP `t_<tenant>_sql` WITH ('cpu_weight' = '1', 'mem_limit' = '20%', 'concurrency_limit' = '4', 'big_query_cpu_second_limit' = '300', 'big_query_scan_rows_limit' = '1000000000', 'big_query_mem_limit' = '8589934592');
