ALTER TABLE `t_<tenant>`.`event_data` ADD COLUMN (`p_14` VARCHAR(65533) NULL, `p_15` BIGINT NULL);

ALTER TABLE `t_<tenant>`.`contact_data` ADD COLUMN (`p_22` DATE NULL);

INSERT INTO `t_<tenant>`.`event_type` (`code`, `alias`) VALUES ('purchase', 'purchase'), ('subscribe', 'wechat_subscribe');

DELETE FROM `t_<tenant>`.`event_type` WHERE `code` NOT IN ('purchase', 'subscribe');

ALTER VIEW `t_<tenant>`.`event_view` AS SELECT e.contact_id AS contact_id, e.event AS event, COALESCE(et.alias, e.event) AS event_alias, convert_tz(e.event_time, '+00:00', 'Asia/Shanghai') AS event_date, e.event_day AS event_day, e.channel_id AS s_channel_id, e.channel_account_id AS s_channel_account_id, e.message_id AS s_message_id, e.direction AS s_direction, e.journey_id AS s_journey_id, e.`p_11` AS `p_amount`, e.`p_12` AS `p_sku`, e.`p_13` AS `s_msg_type`, e.`p_14` AS `p_color`, e.`p_15` AS `p_size` FROM (SELECT COALESCE(a.to_contact_id, e.contact_id) AS contact_id, e.contact_id AS source_contact_id, e.`event_time`, e.`event_day`, e.`event`, e.`channel_id`, e.`channel_account_id`, e.`message_id`, e.`direction`, e.`journey_id`, e.`received_at`, e.`extra`, e.`p_11`, e.`p_12`, e.`p_13`, e.`p_13` AS `s_msg_type`, e.`p_14`, e.`p_15` FROM `t_<tenant>`.`event_data` AS e LEFT JOIN `t_<tenant>`.`contact_alias` AS a ON a.from_contact_id = e.contact_id) AS e LEFT JOIN `t_<tenant>`.`event_type` AS et ON et.code = e.event;

ALTER VIEW `t_<tenant>`.`contact_view` AS SELECT c.`id`, c.`identified`, c.`name`, c.`gender`, c.`birthday`, c.`mobile`, c.`email`, c.`country`, c.`province`, c.`city`, c.`utm_source`, c.`utm_medium`, c.`utm_campaign`, c.`utm_content`, c.`utm_term`, convert_tz(c.`first_seen_at`, '+00:00', 'Asia/Shanghai') AS `first_seen_at`, convert_tz(c.`last_active_at`, '+00:00', 'Asia/Shanghai') AS `last_active_at`, convert_tz(c.`created_at`, '+00:00', 'Asia/Shanghai') AS `created_at`, convert_tz(c.`updated_at`, '+00:00', 'Asia/Shanghai') AS `updated_at`, c.`nickname`, c.`avatar`, c.`company`, c.`department`, c.`title`, c.`industry`, c.`home_phone`, c.`id_card`, c.`postal_code`, c.`street`, c.`website`, c.`comment`, c.`p_21` AS `p_attr21`, c.`p_22` AS `p_attr22` FROM `t_<tenant>`.`contact_data` AS c;

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
