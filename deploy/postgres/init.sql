-- One database per service (DESIGN §5: a service never reads another service's tables).
CREATE DATABASE approval_intake;
CREATE DATABASE approval_stage;
CREATE DATABASE approval_consult;
CREATE DATABASE approval_certificate;
CREATE DATABASE approval_supervision;
CREATE DATABASE approval_gateway;
